# The echo client, version 3, written the way the tutorial writes it,
# except that the server's address comes from the command line:
#   python3 client_v3.py HOST:PORT [MESSAGE...]
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
message = " ".join(sys.argv[2:]) or "Hello karl"
BUF_SIZE = 30

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, int(port)))
s.send(message)
data = s.recv(BUF_SIZE)
s.close()
