import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiExtension, ApiResponse } from '@nestjs/swagger';

/** The three roles, from least to most powerful. */
export const Role = { viewer: 'viewer', developer: 'developer', admin: 'admin' } as const;
/** One of the roles. */
export type Role = (typeof Role)[keyof typeof Role];
/** Every role, least powerful first. */
export const ROLES: readonly Role[] = [Role.viewer, Role.developer, Role.admin];

/** True when `role` is at least `needed`. */
export function roleAtLeast(role: string, needed: Role): boolean {
  return ROLES.indexOf(role as Role) >= ROLES.indexOf(needed);
}

/** What an endpoint requires; `public` skips authentication (login, health and host enrolment only). */
export interface AccessRule {
  role: Role | 'public';
  /** A mutation of the caller's own account (password, own tokens, logout): allowed to viewers. */
  selfService?: boolean;
  /** Reachable while the user still has a one-time password. */
  beforePasswordChange?: boolean;
  /** A mutation a read-only API token may still call (the handler narrows it: revoking itself only). */
  readOnlyToken?: boolean;
}

/** Metadata key of the AccessRule. */
export const ACCESS_RULE = 'msec:access';

/**
 * Declares the least role an endpoint needs. Every controller method must carry it (the guard denies
 * methods without it), and mutating methods need at least `developer` unless `selfService` is set.
 */
export function Access(role: Role, options: Omit<AccessRule, 'role'> = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_RULE, { role, ...options } satisfies AccessRule),
    ApiCookieAuth('session'),
    ApiBearerAuth('token'),
    ApiExtension('x-msec-role', role),
    ApiResponse({ status: 401, description: 'not logged in' }),
    ApiResponse({ status: 403, description: `needs role ${role} (mutations: developer or above), or CSRF header missing` }),
  );
}

/** Marks an endpoint reachable without logging in (login, health, and host enrolment, whose token is the proof). */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ACCESS_RULE, { role: 'public' } satisfies AccessRule), ApiExtension('x-msec-role', 'public'));
}
