// errno values as their names ("ECONNREFUSED") and a plain-English explanation for learners.
#pragma once

#include <optional>
#include <string>

namespace socketlab {

// getaddrinfo() reports its own error codes (EAI_NONAME, ...), not errnos. SocketLab stores them
// as kGaiErrorBase - EAI_xxx (EAI codes are negative on glibc) so they share the errno field.
constexpr int kGaiErrorBase = 100000;
int gai_error_as_err(int eai_code);

std::string errno_name(
    int err);  // "ECONNREFUSED", "EISDIR" (any errno glibc names); "E999" if none
std::optional<int> errno_from_name(const std::string& name);  // inverse of errno_name
std::string errno_explanation(int err);                       // one or two sentences for a learner

}  // namespace socketlab
