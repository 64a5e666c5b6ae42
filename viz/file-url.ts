/**
 * A scenario file carried in the page's URL (`?file=…&name=…`): its text
 * compressed with deflate (CompressionStream, raw format) and written in
 * base64url, so a link reproduces a run of a file that is not in the
 * catalogue. Files whose code is longer than `URL_FILE_CHARS_MAX` are not
 * carried (the page says so).
 */

/** Longest code carried in a URL: 6,000 characters, some 4.5 kB compressed (most scenario files are far smaller). */
export const URL_FILE_CHARS_MAX = 6000;

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream) {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(code: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(code)) throw new Error("the link's file is not base64url text");
  const s = atob(code.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The text as URL-safe code: deflate (raw), then base64url. */
export async function encodeFile(text: string): Promise<string> {
  return base64url(
    await pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw')),
  );
}

/** The text back from `encodeFile`'s code; throws an Error saying what is wrong. */
export async function decodeFile(code: string): Promise<string> {
  try {
    const bytes = await pipe(fromBase64url(code), new DecompressionStream('deflate-raw'));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new Error(
      `the scenario file in the link cannot be read (${e instanceof Error ? e.message : String(e)}): the link was cut or changed`,
    );
  }
}
