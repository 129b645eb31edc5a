import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as api from 'nestjs-hybrid-scheduler';
import * as health from 'nestjs-hybrid-scheduler/health';
import * as dashboard from 'nestjs-hybrid-scheduler/dashboard';
import * as config from '../../libs/hybrid-scheduler/src/config/index.js';

const INDEX = fileURLToPath(new URL('../../libs/hybrid-scheduler/src/index.ts', import.meta.url));

/** What users need at runtime: the module, the facade, decorators, the env reader, classifyTask, errors. */
const VALUES = [
  'HybridSchedulerModule',
  'HybridScheduler',
  'InternalTask',
  'QueuedWorkflow',
  'PrefectDeployment',
  'hybridSchedulerOptionsFromEnv',
  'classifyTask',
  'HybridSchedulerError',
  'InvalidModuleOptionsError',
  'InvalidTaskOptionsError',
  'InvalidCharacteristicsError',
  'DuplicateTaskError',
  'JobNotFoundError',
  'WorkflowNotFoundError',
  'DeadLetterNotFoundError',
  'DeploymentNotFoundError',
  'PayloadValidationError',
  'PayloadRequiredError',
  'InvalidArgumentError',
  'TierUnavailableError',
  'TaskTimeoutError',
  'TaskCancelledError',
  'UpstreamStepError',
  'SubflowFailedError',
  'InvalidEnqueueOptionsError',
  'PrefectApiError',
  'PrefectAuthError',
  'PrefectUnreachableError',
  'AdoptedJobControlError',
  'BullModuleConnectionError',
].sort();

/** Option, context and result types users write down. */
const TYPES = [
  'InternalTaskOptions',
  'Duration',
  'QueuedWorkflowOptions',
  'BackoffOptions',
  'RateLimitOptions',
  'QueueProviderName',
  'PrefectDeploymentOptions',
  'TaskCharacteristics',
  'Classification',
  'TierName',
  'TaskContext',
  'InternalTaskContext',
  'WorkflowContext',
  'FlowRunContext',
  'StepOptions',
  'MapOptions',
  'StepContext',
  'StepFn',
  'MapFn',
  'SubflowOptions',
  'SubflowRun',
  'TaskLogger',
  'JobInfo',
  'JobRunStatus',
  'JobEvent',
  'JobEventType',
  'TriggerResult',
  'EnqueueOptions',
  'EnqueueResult',
  'DeadLetter',
  'FlowRunRef',
  'RecentRuns',
  'RecentRun',
  'RecentRunStatus',
  'RecentRunsOptions',
  'HybridSchedulerModuleOptions',
  'InternalTierOptions',
  'QueueTierOptions',
  'BullMqProviderOptions',
  'CloudTasksProviderOptions',
  'RabbitMqProviderOptions',
  'NatsProviderOptions',
  'RedisConnection',
  'PrefectTierOptions',
].sort();

/** Internals that were exported once and must not come back (they would freeze under semver). */
const INTERNAL = [
  'SchedulerTier',
  'TaskDefinition',
  'TaskRunner',
  'RunRequest',
  'RunOutcome',
  'FALLBACK_CHAIN',
  'validateModuleOptions',
  'parseDuration',
  'TierAvailability',
  'TierHealth',
  'QueueTierApi',
  'PrefectTierApi',
  'TaskLocation',
  'TaskHandler',
  'TaskSchedule',
  'ScheduleOptions',
  'PayloadClass',
  'ResolvedModuleOptions',
  'JobRegistry',
  'TiersLifecycle',
  'HYBRID_SCHEDULER_OPTIONS',
];

let declared: string[] | undefined;
/** The names index.ts declares (values and types), as the compiler sees them (one program, ~10 s). */
function declaredExports(): string[] {
  declared ??= compileExports();
  return declared;
}

function compileExports(): string[] {
  const program = ts.createProgram([INDEX], {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    experimentalDecorators: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(INDEX);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`cannot read the exports of ${INDEX}`);
  return checker
    .getExportsOfModule(module)
    .map((symbol) => symbol.getName())
    .sort();
}

describe('the public API', () => {
  it('exports exactly the public values at runtime', () => {
    expect(Object.keys(api).sort()).toEqual(VALUES);
  });

  it('declares exactly the public values and types', () => {
    expect(declaredExports()).toEqual([...VALUES, ...TYPES].sort());
  });

  it('exports no internal name, at runtime or in the declarations', () => {
    const names = new Set(declaredExports());
    expect(INTERNAL.filter((name) => name in api || names.has(name))).toEqual([]);
  });

  it('gives every exported name a doc comment of its own', () => {
    const source = ts.createSourceFile(INDEX, readFileSync(INDEX, 'utf8'), ts.ScriptTarget.ES2023, true);
    const undocumented = source.statements.filter(ts.isExportDeclaration).flatMap((statement) => {
      const names = (statement.exportClause as ts.NamedExports | undefined)?.elements.map(
        (e) => e.name.text,
      ) ?? ['*'];
      const doc = ts
        .getLeadingCommentRanges(source.text, statement.pos)
        ?.some((range) => source.text.startsWith('/**', range.pos));
      return names.length === 1 && doc ? [] : names;
    });
    expect(undocumented).toEqual([]);
  });

  it('serves the health indicator and the config factory from their subpaths', () => {
    expect(Object.keys(health).sort()).toEqual([
      'HybridSchedulerHealthIndicator',
      'HybridSchedulerHealthModule',
    ]);
    expect(Object.keys(config).sort()).toEqual(['hybridSchedulerConfig', 'hybridSchedulerOptionsFromEnv']);
  });

  it('serves the dashboard module (and only it, at runtime) from its subpath', () => {
    expect(Object.keys(dashboard)).toEqual(['HybridSchedulerDashboardModule']);
  });
});
