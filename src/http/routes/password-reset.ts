/**
 * Password reset for workspace users (src/users/password-reset.ts), outside /api/v1 like
 * /api/session: POST /api/password-reset asks for a link (always 202 with the same answer,
 * 429 when this client asked too often); POST /api/password-reset/confirm sets the new
 * password with the link's token and ends every session of the user. JSON only, which a
 * cross-site form cannot send; neither route reads or sets a cookie.
 */
import { z } from 'zod';
import { loadConfig } from '../../platform/config.ts';
import {
  confirmPasswordReset,
  RESET_LANGUAGES,
  RESET_REQUESTED_MESSAGE,
  requestPasswordReset,
} from '../../users/password-reset.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ErrorBody } from '../schemas.ts';

export default async function passwordReset(app: ApiApp, deps: AppDeps): Promise<void> {
  app.post(
    '/api/password-reset',
    {
      bodyLimit: 16 * 1024,
      schema: {
        body: z.object({
          email: z.string().min(1).max(254),
          language: z.enum(RESET_LANGUAGES).default('en').meta({ description: 'The language of the mail' }),
        }),
        response: { 202: z.object({ message: z.string() }), 400: ErrorBody, 422: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(
        deps.db,
        {
          email: request.body.email,
          language: request.body.language,
          client: request.ip,
          publicUrl: loadConfig().publicUrl,
        },
        deps.clock.now(),
      );
      return reply.code(202).send({ message: RESET_REQUESTED_MESSAGE });
    },
  );

  app.post(
    '/api/password-reset/confirm',
    {
      bodyLimit: 16 * 1024,
      schema: {
        body: z.object({ token: z.string().min(1).max(200), password: z.string().min(1).max(1024) }),
        response: { 200: z.object({ email: z.string() }), 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) =>
      confirmPasswordReset(
        deps.db,
        { token: request.body.token, password: request.body.password },
        deps.clock.now(),
      ),
  );
}
