import type { Api } from '../http/api.ts'
import type { Deps } from '../deps.ts'
import { passwordEntropy } from '../accounts/password-strength.ts'

/**
 * ping, time, version, configs and password/validate: served under both /public and /identity,
 * as Barong does (docs/barong-behaviour-notes.md#s4-1).
 */
export function registerGeneralRoutes(api: Api, deps: Pick<Deps, 'config' | 'clock'>, tag: 'public' | 'identity') {
  const env = deps.config.env
  const base = `/${tag}`
  api.add({
    method: 'get',
    path: `${base}/ping`,
    tag,
    prefix: `${tag}.general`,
    summary: 'Test connectivity',
    handler: (c) => c.json({ ping: 'pong' }),
  })
  api.add({
    method: 'get',
    path: `${base}/time`,
    tag,
    prefix: `${tag}.general`,
    summary: 'Server time in seconds (and milliseconds, for API-key nonces)',
    handler: (c) => {
      const ms = deps.clock.now()
      return c.json({ time: Math.floor(ms / 1000), time_ms: ms })
    },
  })
  api.add({
    method: 'get',
    path: `${base}/version`,
    tag,
    prefix: `${tag}.general`,
    summary: 'Build version',
    handler: (c) =>
      c.json({ git_tag: env.GIT_TAG, git_sha: env.GIT_SHA, build_date: env.BUILD_DATE, version: env.GIT_TAG }),
  })
  api.add({
    method: 'get',
    path: `${base}/configs`,
    tag,
    prefix: `${tag}.general`,
    summary: 'Public configuration for front ends',
    handler: (c) =>
      c.json({
        session_expire_time: env.BARONG_SESSION_EXPIRE_TIME,
        captcha_type: env.BARONG_CAPTCHA,
        ...(env.BARONG_CAPTCHA === 'recaptcha' ? { captcha_id: env.BARONG_RECAPTCHA_SITE_KEY } : {}),
        phone_verification_type: env.BARONG_PHONE_VERIFICATION,
        password_min_entropy: env.BARONG_PASSWORD_MIN_ENTROPY,
        // Ruby's Regexp#to_s form, which front ends already parse.
        password_regexp: `(?-mix:${env.BARONG_PASSWORD_REGEXP})`,
      }),
  })
  api.add({
    method: 'post',
    path: `${base}/password/validate`,
    tag,
    prefix: `${tag}.general`,
    summary: 'Password entropy',
    params: { password: { type: 'string', required: true } },
    handler: (c, p) =>
      c.json(
        {
          entropy: passwordEntropy(p.password, {
            useDictionary: env.BARONG_PASSWORD_USE_DICTIONARY,
            minEntropy: env.BARONG_PASSWORD_MIN_ENTROPY,
          }),
        },
        201,
      ),
  })
}
