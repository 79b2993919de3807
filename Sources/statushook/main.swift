import Hashing
import StatushookCore

OpenSSLProcess.initializeWithoutExitCleanup()
Statushook.main()
