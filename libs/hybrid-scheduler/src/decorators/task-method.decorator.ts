import { SetMetadata } from '@nestjs/common';
import { InvalidTaskOptionsError } from '../errors/hybrid-scheduler.errors.js';
import { NOT_A_METHOD, type NotAMethod } from '../errors/messages.js';

/**
 * SetMetadata for a tier decorator, refusing at decoration time what discovery cannot see: it scans the
 * provider's prototype methods, so metadata on a field (no descriptor), an accessor (no value) or a static
 * method (target is the class) would be ignored without a word. Type-checked code rejects fields already
 * (TS1240); transpile-only builds (SWC, esbuild) and JavaScript do not.
 */
export const taskMethodDecorator =
  (decorator: string, key: string, options: object): MethodDecorator =>
  (target, property, descriptor) => {
    // A TC39 decorator call (no experimentalDecorators) passes (method, context): SetMetadata marks the method
    // itself, as before; only legacy calls are told apart by their descriptor.
    if (typeof property === 'object') return SetMetadata(key, options)(target, property, descriptor);
    const misplaced: NotAMethod | undefined =
      typeof target === 'function'
        ? 'static'
        : descriptor === undefined
          ? 'property'
          : typeof descriptor.value === 'function'
            ? undefined
            : 'accessor';
    if (misplaced) {
      const owner = typeof target === 'function' ? target : target.constructor;
      throw new InvalidTaskOptionsError(
        NOT_A_METHOD(decorator, `${owner?.name || 'anonymous'}.${String(property)}`, misplaced),
      );
    }
    return SetMetadata(key, options)(target, property, descriptor);
  };
