import { existsSync, rmSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { documents, labels } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { userId } from '../helpers/gateway.ts'
import { lastEvent, register, seededApp, type Client } from '../helpers/http.ts'
import { RES } from '../helpers/two-factor.ts'
import { dbFingerprint } from '../helpers/state.ts'

const DOCS = `${RES}/documents`
const ADDRESSES = `${RES}/addresses`
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=', 'base64')
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
const FUTURE = '2999-12-31'

let t: TestApp
let uploadDir: string
beforeAll(async () => {
  uploadDir = mkdtempSync(join(tmpdir(), 'barong-uploads-'))
  t = await seededApp({ BARONG_UPLOAD_DIR: uploadDir, BARONG_DOC_NUM_LIMIT: '4', BARONG_UPLOAD_SIZE_MAX_RANGE: '1' })
})
afterAll(async () => t?.close())

type Part = [name: string, bytes: Uint8Array, type?: string]

/** A multipart request as the front end sends it: fields, then `upload[]` files. */
function send(client: Client, path: string, fields: Record<string, string>, files: Part[]) {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  for (const [name, bytes, type] of files) form.append('upload[]', new File([bytes], name, { type: type ?? 'application/octet-stream' }))
  const headers: Record<string, string> = { 'X-Forwarded-For': client.ip, 'User-Agent': client.ua }
  if (client.cookie) headers.Cookie = client.cookie
  if (client.csrf) headers['X-CSRF-Token'] = client.csrf
  return t.request(path, { method: 'POST', headers, body: form })
}

const passport = { doc_type: 'Passport', doc_number: 'AB 123456', doc_expire: FUTURE }
const storedFiles = () => readdirSync(uploadDir)

async function refused(p: Promise<Response>, status: number, keys: string[]) {
  const before = await dbFingerprint(t)
  const files = storedFiles().length
  const res = await p
  expect(res.status, await res.clone().text()).toBe(status)
  expect(await res.json()).toEqual({ errors: keys })
  expect(await dbFingerprint(t)).toEqual(before)
  expect(storedFiles()).toHaveLength(files)
}

const labelOf = async (uid: string, key: string) => {
  const [l] = await t.deps.db.select().from(labels).where(and(eq(labels.userId, await userId(t, uid)), eq(labels.key, key)))
  return l?.value ?? null
}

describeGateCases('/resource/documents', () => t, { method: 'GET', path: DOCS })
describeGateCases('/resource/documents', () => t, { method: 'POST', path: DOCS, body: passport, control: false })
describeGateCases('/resource/addresses', () => t, { method: 'POST', path: ADDRESSES, body: { country: 'DE', address: 'Main 1', city: 'Berlin', postcode: '10115' }, control: false })

describe('POST /resource/documents', () => {
  it('a PNG, a JPEG and a PDF → 201; three rows of one batch; files stored under generated names; label document:pending; events', async () => {
    const { client, body } = await register(t)
    const before = storedFiles().length
    const res = await send(client, DOCS, { ...passport, doc_category: 'front_side', metadata: '{"side":"front"}' }, [['front.png', PNG, 'image/png'], ['back.JPG', JPEG], ['scan.pdf', PDF]])
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await res.json()).toBe(201)
    const rows = await t.deps.db.select().from(documents).where(eq(documents.userId, await userId(t, body.uid)))
    expect(rows).toHaveLength(3)
    expect(new Set(rows.map((r) => r.identificator)).size).toBe(1)
    expect(rows.map((r) => r.upload!.split('.')[1])).toEqual(['png', 'jpg', 'pdf'])
    for (const r of rows) expect(r.upload).toMatch(/^[0-9a-f]{32}\.(png|jpg|pdf)$/)
    expect(storedFiles().length).toBe(before + 3)
    expect(await labelOf(body.uid, 'document')).toBe('pending')
    expect((await lastEvent(t, 'document.created'))?.record).toMatchObject({ user: { uid: body.uid }, doc_type: 'Passport', doc_number: 'AB 123456', doc_expire: FUTURE, upload: expect.stringContaining('%2Fapi%2Fv2%2Fbarong%2Fadmin%2Fdocuments%2F') })

    const list = await (await client.get(DOCS)).json()
    expect(list).toEqual(rows.map((r) => ({ upload: { url: `/api/v2/barong/resource/documents/${r.id}/upload` }, doc_type: 'Passport', doc_number: 'AB 123456', doc_expire: FUTURE })))

    // The owner reads the files back, as stored, with their checked type; nobody else does.
    const file = await client.get(list[0].upload.url)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/png')
    expect(file.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true)
    expect((await client.get(list[2].upload.url)).headers.get('content-type')).toBe('application/pdf')
    const other = await register(t)
    const stranger = await other.client.get(list[0].upload.url)
    expect(stranger.status).toBe(404)
    expect(await stranger.json()).toEqual({ errors: ['record.not_found'] })
    // Staff who may read documents, through the staff view's link.
    const { staff } = await import('../helpers/admin.ts')
    const admin = await staff(t, 'admin')
    const view = await (await admin.client.get(`/api/v2/barong/admin/users/${body.uid}`)).json()
    expect(view.documents[0].upload.url).toBe(`/api/v2/barong/admin/documents/${rows[0]!.id}/upload`)
    const staffFile = await admin.client.get(view.documents[0].upload.url)
    expect(staffFile.status).toBe(200)
    expect(Buffer.from(await staffFile.arrayBuffer()).equals(PNG)).toBe(true)
    const technical = await staff(t, 'technical')
    expect((await technical.client.get(view.documents[0].upload.url)).status).toBe(403)
    // A file gone from disk is a 404, never a 500.
    rmSync(join(uploadDir, rows[1]!.upload!))
    const gone = await client.get(list[1].upload.url)
    expect(gone.status).toBe(404)
    expect(await gone.json()).toEqual({ errors: ['record.not_found'] })
  })

  it('a file named ../../x.png is stored under a generated name inside the upload directory', async () => {
    const { client, body } = await register(t)
    const res = await send(client, DOCS, passport, [['../../x.png', PNG]])
    expect(res.status).toBe(201)
    const [row] = await t.deps.db.select().from(documents).where(eq(documents.userId, await userId(t, body.uid)))
    expect(row!.upload).toMatch(/^[0-9a-f]{32}\.png$/)
    expect(existsSync(join(uploadDir, row!.upload!))).toBe(true)
    expect(existsSync(join(uploadDir, '..', '..', 'x.png'))).toBe(false)
  })

  it('a renamed text file, an unlisted extension, an empty file and one over the size limit → 422; nothing stored', async () => {
    const { client } = await register(t)
    const integrity = ['upload.carrierwave_integrity_error']
    await refused(send(client, DOCS, passport, [['notes.png', Buffer.from('just text, not an image')]]), 422, integrity)
    await refused(send(client, DOCS, passport, [['photo.gif', Buffer.from('GIF89a....')]]), 422, integrity)
    await refused(send(client, DOCS, passport, [['empty.png', new Uint8Array(0)]]), 422, integrity)
    const big = Buffer.concat([PNG, Buffer.alloc(1024 * 1024)])
    await refused(send(client, DOCS, passport, [['big.png', big]]), 422, integrity)
    // One bad file among good ones: none of them is kept.
    await refused(send(client, DOCS, passport, [['a.png', PNG], ['b.pdf', Buffer.from('not a pdf')]]), 422, integrity)
  })

  it('a body over the route limit → 413, nothing stored', async () => {
    const { client } = await register(t)
    const huge = Buffer.concat([PNG, Buffer.alloc(4 * 1024 * 1024)])
    await refused(send(client, DOCS, passport, [['huge.png', huge]]), 413, ['server.payload_too_large'])
  })

  it('expiry rules, parameter and model errors in Barong’s order; nothing stored', async () => {
    const { client } = await register(t)
    const file: Part[] = [['a.png', PNG]]
    await refused(send(client, DOCS, { doc_type: 'Passport', doc_number: 'A1' }, file), 422, ['resource.documents.invalid_format'])
    await refused(send(client, DOCS, { ...passport, doc_expire: '2001-01-01' }, file), 422, ['resource.documents.already_expired'])
    await refused(send(client, DOCS, { ...passport, doc_expire: '30.02.2999' }, file), 422, ['resource.documents.expire_not_a_date'])
    await refused(send(client, DOCS, { ...passport, doc_category: 'back' }, file), 422, ['resource.documents.doc_category'])
    await refused(send(client, DOCS, { doc_expire: FUTURE }, file), 422, ['resource.document.missing_doc_type', 'resource.document.empty_doc_type', 'resource.document.missing_doc_number', 'resource.document.empty_doc_number'])
    await refused(send(client, DOCS, passport, []), 422, ['resource.document.missing_upload'])
    await refused(send(client, DOCS, { ...passport, doc_type: 'Diploma', doc_number: 'A_1', metadata: '{' }, file), 422, ['doc_type.inclusion', 'metadata.invalid_format', 'doc_number.invalid'])
    await refused(send(client, DOCS, { ...passport, doc_number: 'Ab\u0000' }, file), 422, ['resource.document.invalid_doc_number'])
  })

  it('the document limit: over it → 400 limit_reached; a batch that would pass it → 400 limit_will_be_reached', async () => {
    const { client, body } = await register(t)
    expect((await send(client, DOCS, passport, [['1.png', PNG], ['2.png', PNG], ['3.png', PNG]])).status).toBe(201)
    await refused(send(client, DOCS, passport, [['4.png', PNG], ['5.png', PNG]]), 400, ['resource.documents.limit_will_be_reached'])
    expect((await send(client, DOCS, passport, [['4.png', PNG]])).status).toBe(201)
    // Rows added past the limit some other way (an admin, an import): the next upload is refused outright.
    await t.deps.db.insert(documents).values({ userId: await userId(t, body.uid), upload: 'x', docType: 'Passport' })
    await refused(send(client, DOCS, passport, [['6.png', PNG]]), 400, ['resource.documents.limit_reached'])
  })
})

describe('POST /resource/addresses', () => {
  it('a proof of address → 201 without an expiry date even while BARONG_REQUIRED_DOCS_EXPIRE is on; label address:pending', async () => {
    const { client, body } = await register(t)
    const res = await send(client, ADDRESSES, { country: 'DE', address: 'Main 1', city: '', postcode: '10115' }, [['bill.pdf', PDF]])
    expect(res.status, await res.clone().text()).toBe(201)
    const [row] = await t.deps.db.select().from(documents).where(eq(documents.userId, await userId(t, body.uid)))
    expect(row).toMatchObject({ docType: 'Address', docNumber: null, docExpire: null })
    expect(JSON.parse(row!.metadata!)).toEqual({ country: 'DE', city: '', postcode: '10115', address: 'Main 1' })
    expect(await labelOf(body.uid, 'address')).toBe('pending')
    expect(await labelOf(body.uid, 'document')).toBeNull()
  })

  it('missing parameters and bad files → 422; nothing stored', async () => {
    const { client } = await register(t)
    await refused(send(client, ADDRESSES, { address: 'Main 1', city: 'B', postcode: '1' }, [['bill.pdf', PDF]]), 422, ['resource.address.missing_country', 'resource.address.empty_country'])
    await refused(send(client, ADDRESSES, { country: 'DE', address: 'Main 1', city: 'B', postcode: '1' }, [['bill.pdf', Buffer.from('plain')]]), 422, ['upload.carrierwave_integrity_error'])
  })
})
