"""Live pushes over Flask-SocketIO: rooms per user, role and quarter; snapshot on connect."""
