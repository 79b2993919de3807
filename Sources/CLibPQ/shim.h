#ifndef STATUSHOOK_CLIBPQ_H
#define STATUSHOOK_CLIBPQ_H
#include <libpq-fe.h>
#include <postgres_ext.h>

// Character-literal macros are not imported by Swift; re-export the ones we read.
static const int SHK_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int SHK_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int SHK_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int SHK_PG_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;
#endif
