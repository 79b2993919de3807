import StatushookCore

Statushook.main()
