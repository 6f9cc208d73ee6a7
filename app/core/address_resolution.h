// Turns a step's address (@server, 127.0.0.1:unused, unix:NAME, a literal) into the socket
// address the call uses. Runs on the actor's worker thread when the call is made, never on the
// UI thread: finding an unused port is itself a socket call.
#pragma once

#include <string>

#include "core/calls/call_args.h"

namespace socketlab {

class Engine;

// Empty with error set when it cannot be resolved ("@server has no bound address yet").
SocketAddress resolve_step_address(const StepAddress& address, const Engine& engine,
                                   std::string& error);

}  // namespace socketlab
