// A webhook endpoint and a delivery attempt as the API shows them (docs/webhooks.md): the
// {base}/webhooks routes answer with them, and a "webhook.disabled" event carries the endpoint.
#pragma once

#include "store/webhook_store.hpp"

#include <boost/json/object.hpp>

namespace contactsd::api {

// The secret only when `with_secret` (the answers of a create and of a rotation).
boost::json::object WebhookJson(const store::WebhookEndpoint& endpoint, bool with_secret);
boost::json::object DeliveryAttemptJson(const store::DeliveryAttempt& attempt);

}  // namespace contactsd::api
