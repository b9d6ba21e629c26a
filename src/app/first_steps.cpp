#include "app/first_steps.hpp"

#include "model/contact_schema.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace contactsd::app {
namespace {

// Words a shell reads as themselves, unquoted, so the common path stays easy to read.
bool ShellSafe(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '.' || c == '_' || c == '-' || c == ':' || c == '+' || c == '=';
  });
}

std::string Word(std::string_view text) {
  return ShellSafe(text) ? std::string(text) : ShellQuoted(text);
}

// The plan an org needs to write contacts: none when every plan may ("write_plans" absent, or
// the default plan among them), else the first the model lists.
std::string PlanOption(const model::Model& model) {
  const auto& plans = model.write_plans();
  if (plans.empty() || std::find(plans.begin(), plans.end(), "free") != plans.end()) return "";
  return " --plan " + Word(plans.front());
}

std::string CreateRequest(const model::Model& model, const FirstStepsInput& input,
                          std::string_view credential) {
  boost::json::object body = model::ExampleWriteBody(model, model::WriteShape::kCreate);
  return "  curl -s -X POST " + Word(input.base_url + model.base_path() + "/contacts") + " -H " +
         ShellQuoted("Authorization: Bearer " + std::string(credential)) +
         " \\\n       -H 'Content-Type: application/json' -d " +
         ShellQuoted(boost::json::serialize(body)) + "\n";
}

}  // namespace

std::string ShellQuoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string FirstSteps(const model::Model& model, const FirstStepsInput& input) {
  const std::string program = Word(input.program);
  const std::string db = " --db " + Word(input.db_url);
  const std::string org = "<the \"id\" printed above>";
  std::string out = "To get started, in another terminal:\n";
  out += "  " + program + " org create --name 'My Company'" + PlanOption(model) + db + "\n";
  out += "  " + program + " key create --org " + org + db + "\n";
  out += CreateRequest(model, input, "<the \"key\" printed above>");
  if (input.hs256) {
    out += "Or with a bearer JWT instead of the key, signed with the server's --jwt-secret:\n";
    out += "  " + program + " token --org " + org +
           " --subject you@example.com --jwt-secret '<the --jwt-secret value>'\n";
    out += CreateRequest(model, input, "<the \"token\" printed above>");
  }
  return out;
}

}  // namespace contactsd::app
