import { describe, expect, it } from 'vitest'
import { Secret } from 'otpauth'
import { generateTotpSecret, qrBarcode, totpCodeAt, totpStep, totpUrl, verifyTotp } from './totp.ts'

// RFC 6238 appendix B uses the ASCII key "12345678901234567890" and 8 digits; a 6-digit code is
// the last six digits of the same truncated value.
const RFC_SECRET = Secret.fromUTF8('12345678901234567890').base32
const at = (seconds: number) => seconds * 1000

describe('RFC 6238 SHA1 vectors', () => {
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ])('T=%i → %s', (t, code) => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
    expect(totpCodeAt(RFC_SECRET, at(t))).toBe(code)
    expect(verifyTotp(RFC_SECRET, code, at(t), null)).toEqual({ ok: true, step: totpStep(at(t)) })
  })
})

describe('verifyTotp window', () => {
  const secret = generateTotpSecret()
  const now = at(1_700_000_015) // mid-step, so ±30 s lands cleanly in neighbouring steps
  const step = totpStep(now)

  it('accepts the current step', () => {
    expect(verifyTotp(secret, totpCodeAt(secret, now), now, null)).toEqual({ ok: true, step })
  })

  it('accepts the previous step (−1) and reports that step', () => {
    expect(verifyTotp(secret, totpCodeAt(secret, now - 30_000), now, null)).toEqual({ ok: true, step: step - 1 })
  })

  it('rejects two steps old (−2)', () => {
    expect(verifyTotp(secret, totpCodeAt(secret, now - 60_000), now, null)).toEqual({ ok: false })
  })

  it('accepts the next step (+1), as Vault with skew 1 does', () => {
    expect(verifyTotp(secret, totpCodeAt(secret, now + 30_000), now, null)).toEqual({ ok: true, step: step + 1 })
  })

  it('rejects two steps ahead (+2)', () => {
    expect(verifyTotp(secret, totpCodeAt(secret, now + 60_000), now, null)).toEqual({ ok: false })
  })

  it('rejects a code made with another secret', () => {
    const other = generateTotpSecret()
    const code = totpCodeAt(other, now)
    // Guard against the one-in-a-million collision making the test flaky.
    if (![-30_000, 0, 30_000].some((d) => code === totpCodeAt(secret, now + d))) {
      expect(verifyTotp(secret, code, now, null)).toEqual({ ok: false })
    }
  })
})

describe('verifyTotp replay', () => {
  const secret = generateTotpSecret()
  const now = at(1_700_000_015)
  const step = totpStep(now)
  const code = totpCodeAt(secret, now)

  it('rejects a code whose step was already accepted', () => {
    const first = verifyTotp(secret, code, now, null)
    expect(first).toEqual({ ok: true, step })
    expect(verifyTotp(secret, code, now, step)).toEqual({ ok: false })
    expect(verifyTotp(secret, code, now + 10_000, step)).toEqual({ ok: false })
  })

  it('rejects an older step once a newer one was used', () => {
    const previous = totpCodeAt(secret, now - 30_000)
    expect(verifyTotp(secret, previous, now, step)).toEqual({ ok: false })
  })

  it('accepts the next step after the previous one was used', () => {
    expect(verifyTotp(secret, code, now, step - 1)).toEqual({ ok: true, step })
  })

  it('once the next step was accepted, the current step is refused (single use, no going back)', () => {
    expect(verifyTotp(secret, totpCodeAt(secret, now + 30_000), now, step)).toEqual({ ok: true, step: step + 1 })
    expect(verifyTotp(secret, code, now, step + 1)).toEqual({ ok: false })
    expect(verifyTotp(secret, totpCodeAt(secret, now + 30_000), now, step + 1)).toEqual({ ok: false })
  })
})

describe('verifyTotp malformed input', () => {
  const secret = generateTotpSecret()
  const now = at(1_700_000_015)
  const good = totpCodeAt(secret, now)

  it.each([
    ['5 digits', good.slice(1)],
    ['7 digits', `${good}0`],
    ['letters', 'abcdef'],
    ['spaces', ` ${good.slice(1)}`],
    ['trailing newline', `${good}\n`],
    ['fullwidth digits', '１２３４５６'],
    ['empty', ''],
  ])('%s → rejected', (_, code) => {
    expect(verifyTotp(secret, code, now, null)).toEqual({ ok: false })
  })

  it('non-string code → rejected', () => {
    expect(verifyTotp(secret, 123456 as unknown as string, now, null)).toEqual({ ok: false })
  })

  it('a corrupt stored secret is an error, not a silent false', () => {
    expect(() => verifyTotp('not base32!', good, now, null)).toThrow(/base32/)
    expect(() => verifyTotp('', good, now, null)).toThrow(/empty/)
  })
})

describe('secrets and provisioning', () => {
  it('generates distinct 160-bit base32 secrets', () => {
    const a = generateTotpSecret()
    expect(a).toMatch(/^[A-Z2-7]{32}$/)
    expect(Secret.fromBase32(a).bytes).toHaveLength(20)
    expect(generateTotpSecret()).not.toBe(a)
  })

  it('builds the URL exactly as Vault does', () => {
    expect(totpUrl('Barong', 'alice@example.com', RFC_SECRET)).toBe(
      'otpauth://totp/Barong:alice@example.com?algorithm=SHA1&digits=6&issuer=Barong&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    )
  })

  it('escapes like Go: path keeps @ : +, query escapes them, space is %20 / +', () => {
    expect(totpUrl('My Exchange', 'a+b@x.io', 'AAAA')).toBe(
      'otpauth://totp/My%20Exchange:a+b@x.io?algorithm=SHA1&digits=6&issuer=My+Exchange&period=30&secret=AAAA',
    )
    expect(totpUrl("O'Brien & Co", 'x@y.z', 'AAAA')).toBe(
      'otpauth://totp/O%27Brien%20&%20Co:x@y.z?algorithm=SHA1&digits=6&issuer=O%27Brien+%26+Co&period=30&secret=AAAA',
    )
  })

  it('renders a 300 px PNG as bare base64', async () => {
    const b64 = await qrBarcode(totpUrl('Barong', 'alice@example.com', RFC_SECRET))
    expect(b64).not.toMatch(/^data:/)
    const png = Buffer.from(b64, 'base64')
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(png.readUInt32BE(16)).toBe(300) // IHDR width
    expect(png.readUInt32BE(20)).toBe(300) // IHDR height
  })
})
