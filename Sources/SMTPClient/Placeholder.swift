enum SMTPClientPlaceholder {}
