import { z } from "zod";

/**
 * The parts of Keycloak 26's RealmRepresentation (and nested ClientRepresentation,
 * ClientScopeRepresentation, ProtocolMapperRepresentation, UserRepresentation,
 * CredentialRepresentation, ScopeMappingRepresentation) that meshwright writes, transcribed
 * from the Admin REST API reference. Strict: unknown field names fail.
 */
const protocolMapper = z.strictObject({
  name: z.string(),
  protocol: z.literal("openid-connect"),
  protocolMapper: z.literal("oidc-hardcoded-claim-mapper"),
  consentRequired: z.boolean(),
  config: z.strictObject({
    "claim.name": z.string(),
    "claim.value": z.string(),
    "jsonType.label": z.enum(["String", "long", "int", "boolean", "JSON"]),
    "access.token.claim": z.enum(["true", "false"]),
    "id.token.claim": z.enum(["true", "false"]),
    "userinfo.token.claim": z.enum(["true", "false"]),
    "introspection.token.claim": z.enum(["true", "false"]),
  }),
});

const audienceMapper = z.strictObject({
  name: z.string(),
  protocol: z.literal("openid-connect"),
  protocolMapper: z.literal("oidc-audience-mapper"),
  consentRequired: z.boolean(),
  config: z.strictObject({
    "included.custom.audience": z.string().optional(),
    "included.client.audience": z.string().optional(),
    "access.token.claim": z.enum(["true", "false"]),
    "id.token.claim": z.enum(["true", "false"]),
    "introspection.token.claim": z.enum(["true", "false"]),
  }),
});

const client = z
  .strictObject({
    clientId: z.string(),
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    protocol: z.literal("openid-connect"),
    publicClient: z.boolean(),
    clientAuthenticatorType: z.literal("client-secret").optional(),
    // a reference the realizer replaces with a random value
    secret: z
      .string()
      .regex(/^\{\{secret:keycloak\/client\/[a-z0-9-]+\}\}$/)
      .optional(),
    serviceAccountsEnabled: z.boolean(),
    standardFlowEnabled: z.boolean(),
    implicitFlowEnabled: z.boolean(),
    directAccessGrantsEnabled: z.boolean(),
    fullScopeAllowed: z.boolean(),
    // ClientRepresentation.attributes; access.token.lifespan in seconds
    attributes: z.strictObject({ "access.token.lifespan": z.string().regex(/^\d+$/) }).optional(),
    protocolMappers: z.array(audienceMapper).optional(),
    defaultClientScopes: z.array(z.string()),
    optionalClientScopes: z.array(z.string()),
  })
  .refine((c) => c.publicClient || c.secret, "confidential clients need a secret");

const user = z.strictObject({
  username: z.string(),
  enabled: z.boolean(),
  serviceAccountClientId: z.string().optional(),
  email: z.string().email().optional(),
  emailVerified: z.boolean().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  credentials: z.array(z.strictObject({ type: z.literal("password"), value: z.string(), temporary: z.boolean() })).optional(),
  realmRoles: z.array(z.string()),
});

export const realmRepresentation = z.strictObject({
  realm: z.string(),
  enabled: z.boolean(),
  sslRequired: z.enum(["none", "external", "all"]),
  accessTokenLifespan: z.number().int(),
  roles: z.strictObject({ realm: z.array(z.strictObject({ name: z.string(), description: z.string() })) }),
  clientScopes: z.array(
    z.strictObject({
      name: z.string(),
      description: z.string(),
      protocol: z.literal("openid-connect"),
      attributes: z.strictObject({ "include.in.token.scope": z.enum(["true", "false"]), "display.on.consent.screen": z.enum(["true", "false"]) }),
      protocolMappers: z.array(protocolMapper),
    }),
  ),
  scopeMappings: z.array(z.strictObject({ clientScope: z.string(), roles: z.array(z.string()) })),
  clients: z.array(client),
  users: z.array(user),
});
