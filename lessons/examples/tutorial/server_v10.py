# The echo server, version 10: it works.
#   python3 server_v10.py 127.0.0.1:0
# It serves one client after another, echoes every byte, closes each
# connection, and survives a client that resets. A client that sends
# "quit" stops it.
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
BUF_SIZE = 1024

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((host, int(port)))
print("listening on", s.getsockname(), flush=True)
s.listen(5)

running = True
while running:
    k, addr = s.accept()
    print("connection from", addr, flush=True)
    try:
        while True:
            data = k.recv(BUF_SIZE)
            if not data:              # b"": the client has closed
                break
            if data == b"quit":
                running = False
            k.sendall(data)           # all of it, however many send() calls that takes
    except ConnectionResetError:
        print("the client reset the connection", flush=True)
    finally:
        k.close()
s.close()
