/** Every store key name in one place (the store adds the deployment prefix). */
export const keys = {
  session: (sidHash: string) => `sess:${sidHash}`,
  userSessions: (uid: string) => `usess:${uid}`,
  apiKeyNonce: (kid: string, nonce: string) => `nonce:${kid}:${nonce}`,
  loginFailuresAccount: (email: string) => `login:acct:${email}`,
  loginFailuresIp: (ip: string) => `login:ip:${ip}`,
  mailRequestsEmail: (email: string) => `mailreq:email:${email}`,
  mailRequestsIp: (ip: string) => `mailreq:ip:${ip}`,
  phoneCodesUser: (uid: string) => `phonecode:user:${uid}`,
  phoneCodesNumber: (number: string) => `phonecode:num:${number}`,
  phoneVerifyUser: (uid: string) => `phoneverify:user:${uid}`,
  whitelink: (tokenHash: string) => `whitelink:${tokenHash}`,
  /** Pub/sub channel: rules, restrictions, API keys and users changed. */
  invalidation: 'invalidate',
  /** Pub/sub channel: sessions ended (`end:<hash>,…`) and every instance's lease heartbeat (`hb:<instance>:<ms>`). */
  sessionEvents: 'sessions',
} as const
