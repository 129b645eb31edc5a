import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { isValidTimeZone } from '../schedule/cron.js';

@ValidatorConstraint({ name: 'timeZone' })
class TimeZoneConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isValidTimeZone(value);
  }
  defaultMessage(): string {
    return '$property must be an IANA time zone such as "Europe/Berlin" (got $value)';
  }
}

@ValidatorConstraint({ name: 'redisConnection' })
class RedisConnectionConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value === 'string') return /^rediss?:\/\//.test(value);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
  defaultMessage(): string {
    return '$property must be a redis:// URL or an ioredis options object (got $value)';
  }
}

export class InternalTierOptionsSchema {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @Validate(TimeZoneConstraint) timeZone?: string;
  @IsOptional() @IsInt() @Min(0) shutdownTimeoutMs?: number;
}

export class BullMqOptionsSchema {
  @Validate(RedisConnectionConstraint) connection!: unknown;
  @IsOptional() @IsString() @IsNotEmpty() prefix?: string;
  @IsOptional() @IsInt() @Min(1000) lockDurationMs?: number;
  @IsOptional() @IsInt() @Min(500) stalledIntervalMs?: number;
}

class EmulatorSchema {
  @IsString() @IsNotEmpty() host!: string;
  @IsInt() @Min(1) @Max(65535) port!: number;
}

class OidcSchema {
  @IsOptional() @IsUrl({ require_tld: false }) certsUrl?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) issuers?: string[];
}

export class CloudTasksOptionsSchema {
  @IsString() @IsNotEmpty() projectId!: string;
  @IsString() @IsNotEmpty() location!: string;
  @IsString() @IsNotEmpty() queue!: string;
  @IsUrl({ require_tld: false, require_protocol: true }) publicUrl!: string;
  @IsOptional() @IsString() pushPath?: string;
  @IsOptional() @IsString() serviceAccountEmail?: string;
  @IsOptional() @IsString() audience?: string;
  @IsOptional() @IsInt() @Min(15_000) @Max(1_800_000) dispatchDeadlineMs?: number;
  @IsOptional() @IsBoolean() ensureQueue?: boolean;
  @IsOptional() @ValidateNested() @Type(() => EmulatorSchema) emulator?: EmulatorSchema;
  @IsOptional() @ValidateNested() @Type(() => OidcSchema) oidc?: OidcSchema;
}

export class QueueTierOptionsSchema {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsIn(['memory', 'bullmq', 'cloud-tasks']) provider?: string;
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsIn(['producer', 'worker'], { each: true }) roles?: string[];
  @IsOptional() @IsInt() @Min(0) shutdownTimeoutMs?: number;
  @IsOptional() @ValidateNested() @Type(() => BullMqOptionsSchema) bullmq?: BullMqOptionsSchema;
  @IsOptional() @ValidateNested() @Type(() => CloudTasksOptionsSchema) cloudTasks?: CloudTasksOptionsSchema;
}

export class PrefectTierOptionsSchema {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) apiUrl!: string;
  @IsOptional() @IsString() @IsNotEmpty() apiKey?: string;
  @IsOptional() @IsString() @IsNotEmpty() authString?: string;
  @IsOptional() @IsString() @IsNotEmpty() workPool?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) workQueues?: string[];
  @IsOptional() @IsInt() @Min(100) pollIntervalMs?: number;
  @IsOptional() @IsInt() @Min(0) prefetchMs?: number;
  @IsOptional() @IsInt() @Min(1000) heartbeatIntervalMs?: number;
  @IsOptional() @IsInt() @Min(1) concurrency?: number;
  @IsOptional() @IsString() @IsNotEmpty() workerName?: string;
  @IsOptional() @IsBoolean() registerOnly?: boolean;
  @IsOptional() @IsInt() @Min(100) requestTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(0) shutdownTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(100) reconnectIntervalMs?: number;
}

export class ModuleOptionsSchema {
  @IsOptional() @ValidateNested() @Type(() => InternalTierOptionsSchema) internal?: InternalTierOptionsSchema;
  @IsOptional() @ValidateNested() @Type(() => QueueTierOptionsSchema) queue?: QueueTierOptionsSchema;
  @IsOptional() @ValidateNested() @Type(() => PrefectTierOptionsSchema) prefect?: PrefectTierOptionsSchema;
  @IsOptional() @IsIn(['degrade', 'fail']) fallback?: string;
}
