# Read the mailbox with poplib, and print the POP3 dialogue as it happens.
#   python3 read_mail.py HOST:PORT [USER PASSWORD]
import poplib
import sys

host, port = sys.argv[1].rsplit(":", 1)
user = sys.argv[2] if len(sys.argv) > 2 else "learner"
password = sys.argv[3] if len(sys.argv) > 3 else "secret"

pop = poplib.POP3(host, int(port))  # connects and reads the greeting, +OK ...
pop.set_debuglevel(1)               # print every command (on stdout)
pop.user(user)                      # USER
pop.pass_(password)                 # PASS (sent as plain text: POP3 without TLS)
count, size = pop.stat()            # STAT: how many messages, how many bytes
print(count, "messages,", size, "bytes")
print(pop.list()[1])                # LIST: each message's number and size
if count:
    reply, lines, octets = pop.retr(1)      # RETR 1: the first message, line by line
    print(b"\n".join(lines).decode("utf-8", "replace"))
pop.quit()                          # QUIT
