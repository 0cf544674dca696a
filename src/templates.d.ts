/**
 * Built from templates/ by scripts/templates.mjs: every `.hbs` file precompiled by Handlebars (`spec`:
 * the JavaScript source of its template specification), every other file as text.
 */
declare module 'virtual:cts-templates' {
  const templates: Record<string, { spec?: string; text?: string; mode?: number }>;
  export default templates;
}

declare module 'handlebars/runtime' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
