import { Body, Param, Query } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery } from '@nestjs/swagger';
import type { Schema } from './schema.js';

function descriptorOf(target: object, key: string | symbol | undefined): [string | symbol, PropertyDescriptor] {
  if (key === undefined) throw new Error('request parameter decorators belong on controller methods');
  return [key, Object.getOwnPropertyDescriptor(target, key) ?? {}];
}

/** A JSON body validated by `schema` (400 naming the field) and documented in OpenAPI from the same schema. */
export function JsonBody(schema: Schema<unknown>): ParameterDecorator {
  return (target, key, index) => {
    Body({ schema })(target, key, index);
    const [name, descriptor] = descriptorOf(target, key);
    ApiBody({ schema: schema.json })(target, name, descriptor);
  };
}

/** All query parameters as one object validated by an `s.object` schema; each property is documented as a query parameter. */
export function QueryParams(schema: Schema<unknown>): ParameterDecorator {
  return (target, key, index) => {
    Query({ schema })(target, key, index);
    const [name, descriptor] = descriptorOf(target, key);
    const properties = (schema.json.properties ?? {}) as Record<string, Record<string, unknown>>;
    const required = (schema.json.required ?? []) as string[];
    for (const [param, json] of Object.entries(properties)) {
      ApiQuery({
        name: param,
        required: required.includes(param),
        schema: json,
        ...(json.description ? { description: String(json.description) } : {}),
      })(target, name, descriptor);
    }
  };
}

/** One path parameter validated by `schema`; a 400 names the parameter. */
export function PathParam(param: string, schema: Schema<unknown>): ParameterDecorator {
  return (target, key, index) => {
    Param(param, { schema })(target, key, index);
    const [name, descriptor] = descriptorOf(target, key);
    ApiParam({ name: param, schema: schema.json })(target, name, descriptor);
  };
}
