// What the edge means to log for a text, written from the rule (docs/logs.md, "Escaping"), not
// from the writer's code: control characters (C0 but tab, DEL, C1) as spaces, lone surrogates as
// U+FFFD, everything else as it is.

export function loggedText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, " ")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
