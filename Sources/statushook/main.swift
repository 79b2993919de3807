print("statushook")
