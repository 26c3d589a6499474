import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ValidationError } from '@msec/contracts';

/**
 * Validates every parameter that declares a Standard Schema (`@Body({ schema })`, `@Query`, `@Param`) and answers
 * 400 VALIDATION_FAILED naming the first bad field as `body.name`, `query.limit` or `path.id`.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const schema = metadata.schema;
    if (!schema || metadata.type === 'custom') return value;
    const result = await schema['~standard'].validate(value);
    if (!result.issues) return result.value;
    const [first] = result.issues;
    const where = metadata.type === 'param' ? 'path' : metadata.type;
    const path = (first?.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p));
    if (path.length === 0 && typeof metadata.data === 'string') path.push(metadata.data);
    const field = [where, ...path].join('.');
    throw new ValidationError(field, first?.message ?? 'is not valid', { issues: result.issues.length });
  }
}
