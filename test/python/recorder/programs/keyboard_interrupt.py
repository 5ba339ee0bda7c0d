# An uncaught KeyboardInterrupt: plain python prints it and dies from SIGINT.
raise KeyboardInterrupt
