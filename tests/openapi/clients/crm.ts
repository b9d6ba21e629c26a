// A client of the crm model made from its OpenAPI document alone (see standard.ts): writes in
// the {"fields": {...}} envelope, flat answers, archive marks as crm shows them.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`crm client: ${what}`);
}

async function main(): Promise<void> {
  const client = createClient<paths>({
    baseUrl: process.env.BASE_URL,
    headers: { Authorization: `Bearer ${process.env.API_KEY}` },
  });

  const created = await client.POST("/contacts", {
    body: { fields: { first_name: "Grace", email: "grace@example.com" } },
  });
  check(created.response.status === 201 && created.data, `create: ${created.response.status}`);
  const id: string = created.data.id;
  check(created.data.archived === false, "not archived");
  const etag = created.response.headers.get("ETag");
  check(etag !== null, "create's ETag");

  const patched = await client.PATCH("/contacts/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { fields: { last_name: "Hopper" } },
  });
  check(patched.response.status === 200 && patched.data?.last_name === "Hopper", "patched");

  const stale = await client.PATCH("/contacts/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { fields: { last_name: "Stale" } },
  });
  check(stale.response.status === 412 && stale.error?.statusCode === 412, "stale patch");

  const read = await client.GET("/contacts/{id}", { params: { path: { id } } });
  check(read.data?.last_name === "Hopper", "read back");

  const listed = await client.GET("/contacts", { params: { query: { limit: 10 } } });
  check(listed.data?.data.length === 1 && listed.data.data[0].id === id, "listed");

  const archived = await client.DELETE("/contacts/{id}", { params: { path: { id } } });
  check(archived.response.status === 200 && archived.data, "archived");
  check(typeof archived.data.archived === "string", "archived carries when");
  console.log(JSON.stringify({ id, archived: archived.data.archived }));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
