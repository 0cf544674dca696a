/**
 * Built from templates/ by scripts/templates.mjs: every `.hbs` file precompiled by Handlebars (`spec`: its
 * template specification), every other file as text; in the bundle, most entries name the module beside it
 * that holds them (`group`) and whether they are templates (`hbs`).
 */
declare module 'virtual:cts-templates' {
  const templates: Record<
    string,
    { spec?: TemplateSpecification; text?: string; mode?: number; group?: string; hbs?: boolean }
  >;
  export default templates;
}

/** SHA-256 over every file of templates/ (scripts/templates.mjs), computed at build time. */
declare module 'virtual:cts-templates-fingerprint' {
  const fingerprint: string;
  export default fingerprint;
}

declare module 'handlebars/runtime' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
