"""The session socket and its rooms, apart from HTTP.

How a frame flows (the endpoint is app/api/routes/socket.py):

1. transport.py reads a frame; limits.py checks its size and the socket's rate.
2. dispatch.py checks the first frame's token (the handshake), then turns each request into
   the frames to send: registry.py finds the state's handler and checks its data.
3. The handlers are states.py (the scaffold's), renewal.py (`token`) and rooms/states.py, all
   registered in handlers.py; rooms/ delivers a room's updates in one order on every worker.
4. transport.py's Outbox sends the frames, in order, without waiting on a slow client.
5. connections.py ends sockets that go idle, outlive their token or their sign-in, and closes
   them all on shutdown.

protocol.py holds what crosses the socket (messages, error and close codes), and asyncapi.py
describes it from there, served at /api/v1/asyncapi.json. uvicorn.py is the one module that
reaches into the server's internals, and is optional. Imports point one way: the routes use
this package, which uses the domain (app.models, app.auth), never the other way.
"""
