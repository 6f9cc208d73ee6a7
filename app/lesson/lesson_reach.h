// What a lesson's steps may reach. A lesson file may come from the internet (teachers share
// them), so it is untrusted input, like a web page: its calls reach only its own sockets.
//
//   connect, sendto   an actor's socket (@server, [::1]:@server) or a port that nothing holds
//                     (127.0.0.1:unused), on loopback or, in a link lesson, the link's own
//                     addresses; never a written-out port, which may be another program's (a
//                     database on 127.0.0.1:6379).
//   bind              port 0, an actor's port (to show EADDRINUSE) or, with `unprivileged`, a
//                     port below 1024 (to show EACCES). Beyond loopback (the wildcard 0.0.0.0,
//                     a real interface's address) a listener could be reached from outside: a
//                     lesson that binds one runs in its private network namespace, and where
//                     none can be made SocketLab refuses that step when it runs (Engine's
//                     wildcard_bind_allowed).
//   getaddrinfo       numeric addresses, None and localhost: any other name would go to the
//                     learner's DNS server.
//   unix:NAME         a name in the run's own folder, never "." or "..".
//
// Anything else is a FILE:LINE error when the lesson is read (lesson_parser.cpp).
#pragma once

#include <string>

#include "lesson/lesson.h"

namespace socketlab {

// "" if the step stays in the lesson's box; otherwise the sentence saying why it does not.
// link_lesson: the lesson has a `link:`, so the link's addresses (link_topology.h) are its own.
std::string check_step_reach(const Step& step, bool link_lesson);

// The step binds beyond loopback (0.0.0.0, [::], ::2, or HOST:@actor with such a host).
bool binds_wildcard(const Step& step);

// The try-server's host: loopback only, like `--serve` without --allow-remote.
std::string check_try_server_host(const std::string& host);

}  // namespace socketlab
