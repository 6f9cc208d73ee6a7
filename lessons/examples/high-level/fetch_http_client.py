# GET a page with http.client: one level below urllib, one connection you control.
#   python3 fetch_http_client.py HOST:PORT [PATH]
import http.client
import sys

host, port = sys.argv[1].rsplit(":", 1)
path = sys.argv[2] if len(sys.argv) > 2 else "/hello"

conn = http.client.HTTPConnection(host, int(port))
conn.request("GET", path)                      # connects, sends the request
response = conn.getresponse()                  # reads the status line and headers
print(response.status, response.reason)
for name, value in response.getheaders():
    print(name + ":", value)
print()
print(response.read().decode(), end="")        # the body: Content-Length bytes
conn.close()
