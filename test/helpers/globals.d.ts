// Tests read JSON bodies loosely; production code never relies on this.
declare global {
  interface Response {
    json(): Promise<any>
  }
  interface Body {
    json(): Promise<any>
  }
}
export {}
