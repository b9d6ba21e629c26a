// A client of the standard model made from its OpenAPI document alone: `schema.d.ts` is what
// openapi-typescript generated from GET /v1/openapi.json, and every call below is type-checked
// against it (tsc --strict) before it runs against the real server. BASE_URL and API_KEY come
// from the environment; any failure exits non-zero with the reason.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`standard client: ${what}`);
}

async function main(): Promise<void> {
  const client = createClient<paths>({
    baseUrl: process.env.BASE_URL,
    headers: { Authorization: `Bearer ${process.env.API_KEY}` },
  });

  const created = await client.POST("/v1/contacts", {
    body: { first_name: "Ada", last_name: "Lovelace", email: "Ada@Example.com", tags: ["math"] },
  });
  check(created.response.status === 201 && created.data, `create: ${created.response.status}`);
  const id: string = created.data.id;
  check(created.data.email === "ada@example.com", "the email is stored lower-cased");
  const etag = created.response.headers.get("ETag");
  check(etag === '"1"', `create's ETag: ${etag}`);

  const patched = await client.PATCH("/v1/contacts/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { title: "Analyst", phone: "+44 20 7946 0958" },
  });
  check(patched.response.status === 200 && patched.data, `patch: ${patched.response.status}`);
  check(patched.data.version === 2 && patched.data.phone === "+442079460958", "patched");

  // The same If-Match again names a version that is gone: 412, in the documented error shape.
  const stale = await client.PATCH("/v1/contacts/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { title: "Stale" },
  });
  check(stale.response.status === 412 && stale.error, `stale patch: ${stale.response.status}`);
  check(stale.error.error === "precondition_failed", `stale error: ${stale.error.error}`);

  const read = await client.GET("/v1/contacts/{id}", { params: { path: { id } } });
  check(read.data?.title === "Analyst", "read back");

  const listed = await client.GET("/v1/contacts", { params: { query: { limit: 10 } } });
  check(listed.data?.data.length === 1 && listed.data.data[0].id === id, "listed");
  check(listed.data.next_cursor === null, "one page");

  const archived = await client.DELETE("/v1/contacts/{id}", { params: { path: { id } } });
  check(archived.response.status === 200 && archived.data?.archived_at, "archived");
  console.log(JSON.stringify({ id, version: archived.data.version }));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
