# GET a page with urllib.request, the way most Python programs fetch a URL.
#   python3 fetch_urllib.py HOST:PORT [PATH]
import sys
import urllib.request

address = sys.argv[1]                          # e.g. 127.0.0.1:40123
path = sys.argv[2] if len(sys.argv) > 2 else "/hello"
url = "http://" + address + path

with urllib.request.urlopen(url) as response:  # connects, sends the request,
    print(response.status, response.reason)    # reads the status line and headers
    body = response.read()                     # reads Content-Length bytes
print(body.decode(), end="")
