import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';

export class BackupRequest {
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  databases!: string[];
}

export class ReportExportRequest {
  @IsString()
  report!: string;

  @IsIn(['csv', 'json'])
  format!: 'csv' | 'json';

  /** Demo switch: fail every attempt with a transient error, to watch retries and the dead-letter queue. */
  @IsOptional()
  @IsBoolean()
  simulateOutage?: boolean;
}

/** Errors whose message starts with this are worth retrying from the dead-letter queue later. */
export const TRANSIENT = 'transient:';
