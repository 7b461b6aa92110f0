/**
 * Message templates (PRODUCT §5): the surface other parts use. The sender resolves a
 * template for a customer's language, builds the variables and renders subject, HTML and
 * text; `templates apply|export|preview` (src/cli/commands/templates.ts) manage them.
 */
export { formatDate, formatMoney, TEMPLATE_LIMITS, TemplateError, type TemplatePart } from './engine.ts';
export {
  type LoadedVariables,
  type LoadVariablesOptions,
  loadVariableInput,
  loadVariableInputs,
  type VariableRequest,
} from './load-variables.ts';
export {
  type BodyFormat,
  chooseLanguage,
  compileMjml,
  type MessageTemplate,
  messageLocale,
  type RenderedMessage,
  renderMessage,
  subjectLine,
  type TemplateSource,
} from './render.ts';
export {
  getTemplate,
  installDefaultTemplates,
  listTemplates,
  type ResolvedTemplate,
  resolveTemplate,
  type SaveResult,
  type StoredTemplate,
  saveTemplates,
  TemplateValidationError,
} from './store.ts';
export { htmlToText } from './text.ts';
export { formatProblem, type TemplateProblem, validateTemplate } from './validate.ts';
export {
  buildVariables,
  type ContactData,
  type CustomerData,
  type InvoiceData,
  type OrganisationData,
  type StepData,
  type TemplateVariables,
  type VariableInput,
} from './variables.ts';
