# Send one e-mail with smtplib, and print the SMTP dialogue as it happens.
#   python3 send_mail.py HOST:PORT
import smtplib
import sys
from email.message import EmailMessage

host, port = sys.argv[1].rsplit(":", 1)

msg = EmailMessage()
msg["From"] = "learner@example.org"
msg["To"] = "teacher@example.org"
msg["Subject"] = "Hello from smtplib"
msg.set_content("Hello karl,\nthis mail went out over a plain TCP socket.\n")

# local_hostname: the name this client gives in EHLO. Without it, smtplib asks the
# system for this machine's full name, which can mean a DNS lookup.
with smtplib.SMTP(host, int(port), local_hostname="learner") as smtp:
    smtp.set_debuglevel(1)          # print every command and reply (on stderr)
    smtp.send_message(msg)          # EHLO (or HELO), MAIL FROM, RCPT TO, DATA
print("sent")                       # leaving the with block sends QUIT
