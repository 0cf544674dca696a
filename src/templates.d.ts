/** Built from templates/ by scripts/templates.mjs: precompiled `.hbs` files, every other file as text. */
declare module 'virtual:cts-templates' {
  const templates: Record<string, { spec?: TemplateSpecification; text?: string; mode?: number }>;
  export default templates;
}

declare module 'handlebars/runtime' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
