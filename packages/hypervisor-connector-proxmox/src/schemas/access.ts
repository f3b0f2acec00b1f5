import { z } from 'zod';
import { pveOptionalBoolean, pveOptionalNumber, pveOptionalString } from './pve-values.js';

/** `POST /access/ticket`. With TFA pending, `NeedTFA` is set and `ticket` is the half-authenticated challenge. */
export const PveTicketSchema = z.looseObject({
  username: z.string(),
  ticket: z.string(),
  CSRFPreventionToken: pveOptionalString,
  NeedTFA: pveOptionalBoolean,
  cap: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

/** A parsed login answer. */
export type PveTicket = z.output<typeof PveTicketSchema>;

/** `GET /access/permissions`: privileges (value = propagate flag) by ACL path. */
export const PvePermissionsSchema = z.record(
  z.string(),
  z.record(z.string(), z.union([z.number(), z.boolean()])),
);

/** One item of `GET /access/users`. */
export const PveUserSchema = z.looseObject({
  userid: z.string(),
  enable: pveOptionalBoolean,
  expire: pveOptionalNumber,
});

/** `POST /access/users/{userid}/token/{tokenid}`: `value` is the secret, shown once. */
export const PveTokenCreatedSchema = z.looseObject({
  'full-tokenid': z.string(),
  value: z.string(),
  info: z.looseObject({ privsep: pveOptionalBoolean }).optional(),
});
