// JSON without losing whole numbers: the server sends i64/u64 cells and statistics exactly, and plain
// JSON.parse would round any beyond 2^53 to the nearest double (9007199254740993 read as ...992). Such
// numbers become BigInt here; every other value is what JSON.parse gives.

const WHOLE = /^-?\d+$/;

// `context.source` (the "JSON.parse source text access" proposal) is what lets a reviver see the digits the
// double lost. Chromium and recent Firefox have it; elsewhere the small parser below does the same job.
const HAS_SOURCE = (() => {
  let seen = false;
  try {
    JSON.parse("1", (key, value, context) => {
      seen = Boolean(context && context.source === "1");
      return value;
    });
  } catch {
    seen = false;
  }
  return seen;
})();

function exactWhole(value, digits) {
  return typeof value === "number" && !Number.isSafeInteger(value) && WHOLE.test(digits) ? BigInt(digits) : value;
}

/** Parses JSON text, keeping whole numbers beyond 2^53 exact as BigInt. */
export function parseJson(text) {
  if (HAS_SOURCE) return JSON.parse(text, (key, value, context) => exactWhole(value, context?.source ?? ""));
  return parsePortable(text);
}

/**
 * The fallback: a recursive-descent parser that reads numbers from their digits. Strings, literals and
 * well-formedness are still JSON.parse's work (each string token is handed to it), so escapes are decoded
 * exactly as the native parser decodes them. Exported so the browser tests can check it against JSON.parse.
 */
export function parsePortable(text) {
  let at = 0;
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const SPACE = /[ \t\n\r]*/y;

  const fail = () => {
    throw new SyntaxError(`Unexpected token in JSON at position ${at}`);
  };
  const skip = () => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const token = (pattern) => {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) fail();
    at = pattern.lastIndex;
    return match[0];
  };
  const literal = (word, value) => {
    if (!text.startsWith(word, at)) fail();
    at += word.length;
    return value;
  };

  function value() {
    skip();
    const c = text[at];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return JSON.parse(token(STRING));
    if (c === "t") return literal("true", true);
    if (c === "f") return literal("false", false);
    if (c === "n") return literal("null", null);
    const digits = token(NUMBER);
    return exactWhole(Number(digits), digits);
  }

  function array() {
    at += 1;
    const out = [];
    skip();
    if (text[at] === "]") {
      at += 1;
      return out;
    }
    for (;;) {
      out.push(value());
      skip();
      const c = text[at++];
      if (c === "]") return out;
      if (c !== ",") fail();
    }
  }

  function object() {
    at += 1;
    const out = {};
    skip();
    if (text[at] === "}") {
      at += 1;
      return out;
    }
    for (;;) {
      skip();
      const key = JSON.parse(token(STRING));
      skip();
      if (text[at++] !== ":") fail();
      // defineProperty, so a key named "__proto__" is an ordinary key, as with JSON.parse.
      Object.defineProperty(out, key, { value: value(), enumerable: true, writable: true, configurable: true });
      skip();
      const c = text[at++];
      if (c === "}") return out;
      if (c !== ",") fail();
    }
  }

  const result = value();
  skip();
  if (at !== text.length) fail();
  return result;
}

/** JSON.stringify that writes BigInt as the number it is (plain JSON.stringify throws on one). */
export function stringifyJson(value) {
  return JSON.stringify(value, (key, v) => {
    if (typeof v !== "bigint") return v;
    return typeof JSON.rawJSON === "function" ? JSON.rawJSON(v.toString()) : v.toString();
  });
}
