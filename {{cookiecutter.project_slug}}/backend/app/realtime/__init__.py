"""The interactive session served over the socket: its rules, apart from any socket I/O."""
