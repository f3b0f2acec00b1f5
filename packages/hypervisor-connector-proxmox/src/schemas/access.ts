import { z } from 'zod';
import { pveOptionalBoolean, pveOptionalString } from './pve-values.js';

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
