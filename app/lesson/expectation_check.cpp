#include "lesson/expectation_check.h"

#include <algorithm>

#include "core/errno_text.h"
#include "core/event.h"

namespace socketlab {

std::string show_bytes(const std::vector<uint8_t>& bytes) {
    std::string text = to_printable(bytes, 60);
    return "\"" + text + (bytes.size() > 60 ? "...\"" : "\"") + " (" +
           std::to_string(bytes.size()) + " bytes)";
}

ExpectationResult check_expectations(const Step& step, const CallOutcome& outcome,
                                     int unprivileged_port_start) {
    ExpectationResult result;
    auto got = [&]() -> std::string {
        if (outcome.ret < 0)
            return "it failed with " + errno_name(outcome.err) + " (" +
                   errno_explanation(outcome.err) + ")";
        return "it returned " + std::to_string(outcome.ret);
    };
    auto expects = [&](Expectation::Kind kind) {
        return std::any_of(step.expectations.begin(), step.expectations.end(),
                           [&](const Expectation& e) { return e.kind == kind; });
    };
    if (!outcome.engine_error.empty()) {
        result.problems.push_back(outcome.engine_error);
        return result;
    }
    // "Ports below 1024 need privileges" is a system setting, not a law: where the system lets
    // everyone bind this port, say so instead of failing the lesson.
    if (step.spec.op == CallOp::Bind && step.spec.unprivileged && outcome.ret == 0 &&
        expects(Expectation::Kind::Fails) && step.address &&
        step.address->kind == StepAddress::Kind::Literal &&
        step.address->literal.port() >= unprivileged_port_start) {
        result.passed = true;
        result.note = "On this system every user may bind ports from " +
                      std::to_string(unprivileged_port_start) +
                      " up (net.ipv4.ip_unprivileged_port_start), so the kernel allowed this "
                      "bind; with the usual setting, 1024, it fails with EACCES.";
        return result;
    }
    // Success is implied unless the step says the call fails.
    const bool may_fail =
        expects(Expectation::Kind::Fails) ||
        std::any_of(step.expectations.begin(), step.expectations.end(), [](const Expectation& e) {
            return e.kind == Expectation::Kind::Returns && e.number < 0;
        });
    if (!may_fail && outcome.ret < 0) result.problems.push_back("expected success, but " + got());
    for (const Expectation& e : step.expectations) {
        switch (e.kind) {
            case Expectation::Kind::Ok:
                break;  // covered above
            case Expectation::Kind::Returns:
                if (outcome.ret != e.number)
                    result.problems.push_back("expected " + e.text + ", but " + got());
                break;
            case Expectation::Kind::Fails:
                if (outcome.ret >= 0 || outcome.err != e.err)
                    result.problems.push_back("expected " + e.text + ", but " + got());
                break;
            case Expectation::Kind::Data: {
                const std::vector<uint8_t> expected = with_patterns(e.data, e.pattern_runs);
                if (outcome.data != expected)
                    result.problems.push_back("expected to receive " + show_bytes(expected) +
                                              ", but got " + show_bytes(outcome.data));
                break;
            }
            case Expectation::Kind::Contains: {
                const std::vector<uint8_t> expected = with_patterns(e.data, e.pattern_runs);
                if (std::search(outcome.data.begin(), outcome.data.end(), expected.begin(),
                                expected.end()) == outcome.data.end())
                    result.problems.push_back("expected the result to contain " +
                                              show_bytes(expected) + ", but got " +
                                              show_bytes(outcome.data));
                break;
            }
            case Expectation::Kind::Blocks:
                if (!outcome.waited)
                    result.problems.push_back(
                        "expected the call to block, but it returned at once");
                break;
        }
    }
    result.passed = result.problems.empty();
    return result;
}

}  // namespace socketlab
