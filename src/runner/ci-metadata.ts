/**
 * The CI job a run belongs to, read from the CI provider's environment the way datadog-ci does
 * (`src/helpers/ci.ts`), as Datadog's standard `git.*` and `ci.*` attributes: read once per run, put on every record
 * as stream-constant attributes. Outside CI (no provider's marker variable) it is empty.
 *
 * URLs lose any credentials they carry (`https://token@host/...`, as GitLab's CI_REPOSITORY_URL does).
 */
import { stripCredentials } from '../io/url-credentials.js';

export const GIT_COMMIT_SHA = 'git.commit.sha';
export const GIT_BRANCH = 'git.branch';
export const GIT_TAG = 'git.tag';
export const GIT_REPOSITORY_URL = 'git.repository_url';
export const CI_PROVIDER_NAME = 'ci.provider.name';
export const CI_PIPELINE_ID = 'ci.pipeline.id';
export const CI_PIPELINE_NAME = 'ci.pipeline.name';
export const CI_PIPELINE_NUMBER = 'ci.pipeline.number';
export const CI_PIPELINE_URL = 'ci.pipeline.url';
export const CI_JOB_NAME = 'ci.job.name';
export const CI_JOB_URL = 'ci.job.url';

export type CiAttributes = Record<string, string>;

type Env = NodeJS.ProcessEnv;
type Values = Record<string, string | undefined>;

/** One provider: how to recognise it, and its values (undefined or empty ones are left out). */
interface Provider {
  name: string;
  detect(env: Env): boolean;
  read(env: Env): Values;
}

/** `refs/heads/main` -> `main`; tags say so. */
function refValues(ref: string | undefined, tag?: string | undefined): Values {
  if (tag) return { [GIT_TAG]: normalizeRef(tag) };
  if (!ref) return {};
  return ref.includes('tags/') ? { [GIT_TAG]: normalizeRef(ref) } : { [GIT_BRANCH]: normalizeRef(ref) };
}

function normalizeRef(ref: string): string {
  return ref.replace(/^(?:origin\/|refs\/heads\/|refs\/tags\/|tags\/)/, '');
}

const PROVIDERS: readonly Provider[] = [
  {
    name: 'github',
    detect: (env) => Boolean(env.GITHUB_ACTIONS || env.GITHUB_ACTION),
    read: (env) => {
      const server = env.GITHUB_SERVER_URL || 'https://github.com';
      const repo = env.GITHUB_REPOSITORY;
      let runUrl = repo && env.GITHUB_RUN_ID ? `${server}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
      if (runUrl && env.GITHUB_RUN_ATTEMPT) runUrl += `/attempts/${env.GITHUB_RUN_ATTEMPT}`;
      return {
        [CI_PIPELINE_ID]: env.GITHUB_RUN_ID,
        [CI_PIPELINE_NAME]: env.GITHUB_WORKFLOW,
        [CI_PIPELINE_NUMBER]: env.GITHUB_RUN_NUMBER,
        [CI_PIPELINE_URL]: runUrl,
        [CI_JOB_NAME]: env.GITHUB_JOB,
        // GitHub has no per-job URL in the environment: the run's page, as datadog-ci does.
        [CI_JOB_URL]: runUrl,
        [GIT_COMMIT_SHA]: env.GITHUB_SHA,
        [GIT_REPOSITORY_URL]: repo ? `${server}/${repo}.git` : undefined,
        // A pull request's own branch, not the merge ref.
        ...refValues(env.GITHUB_HEAD_REF || env.GITHUB_REF),
      };
    },
  },
  {
    name: 'gitlab',
    detect: (env) => Boolean(env.GITLAB_CI),
    read: (env) => ({
      [CI_PIPELINE_ID]: env.CI_PIPELINE_ID,
      [CI_PIPELINE_NAME]: env.CI_PROJECT_PATH,
      [CI_PIPELINE_NUMBER]: env.CI_PIPELINE_IID,
      [CI_PIPELINE_URL]: env.CI_PIPELINE_URL?.replace('/-/pipelines/', '/pipelines/'),
      [CI_JOB_NAME]: env.CI_JOB_NAME,
      [CI_JOB_URL]: env.CI_JOB_URL,
      [GIT_COMMIT_SHA]: env.CI_COMMIT_SHA,
      [GIT_REPOSITORY_URL]: env.CI_REPOSITORY_URL,
      ...(env.CI_COMMIT_TAG ? refValues(undefined, env.CI_COMMIT_TAG) : refValues(env.CI_COMMIT_REF_NAME)),
    }),
  },
  {
    name: 'circleci',
    detect: (env) => Boolean(env.CIRCLECI),
    read: (env) => ({
      [CI_PIPELINE_ID]: env.CIRCLE_WORKFLOW_ID,
      [CI_PIPELINE_NAME]: env.CIRCLE_PROJECT_REPONAME,
      [CI_PIPELINE_URL]: env.CIRCLE_WORKFLOW_ID
        ? `https://app.circleci.com/pipelines/workflows/${env.CIRCLE_WORKFLOW_ID}`
        : undefined,
      [CI_JOB_NAME]: env.CIRCLE_JOB,
      [CI_JOB_URL]: env.CIRCLE_BUILD_URL,
      [GIT_COMMIT_SHA]: env.CIRCLE_SHA1,
      [GIT_REPOSITORY_URL]: env.CIRCLE_REPOSITORY_URL,
      ...refValues(env.CIRCLE_BRANCH, env.CIRCLE_TAG),
    }),
  },
  {
    name: 'jenkins',
    detect: (env) => Boolean(env.JENKINS_URL),
    read: (env) => {
      const ref = env.GIT_BRANCH;
      const branch = ref ? normalizeRef(ref) : undefined;
      // JOB_NAME of a multibranch job ends in the branch; of a matrix job, in `/KEY=VALUE,...`.
      let pipelineName = env.JOB_NAME;
      if (pipelineName) {
        const parts = pipelineName.split('/');
        if (parts.length > 1 && parts[1]?.includes('=')) pipelineName = parts[0];
        else if (branch) pipelineName = pipelineName.replace(`/${branch}`, '');
      }
      return {
        [CI_PIPELINE_ID]: env.BUILD_TAG,
        [CI_PIPELINE_NAME]: pipelineName,
        [CI_PIPELINE_NUMBER]: env.BUILD_NUMBER,
        [CI_PIPELINE_URL]: env.BUILD_URL,
        [CI_JOB_NAME]: env.STAGE_NAME || env.JOB_BASE_NAME,
        [CI_JOB_URL]: env.BUILD_URL,
        [GIT_COMMIT_SHA]: env.GIT_COMMIT,
        [GIT_REPOSITORY_URL]: env.GIT_URL || env.GIT_URL_1,
        ...refValues(ref),
      };
    },
  },
  {
    name: 'buildkite',
    detect: (env) => Boolean(env.BUILDKITE),
    read: (env) => ({
      [CI_PIPELINE_ID]: env.BUILDKITE_BUILD_ID,
      [CI_PIPELINE_NAME]: env.BUILDKITE_PIPELINE_SLUG,
      [CI_PIPELINE_NUMBER]: env.BUILDKITE_BUILD_NUMBER,
      [CI_PIPELINE_URL]: env.BUILDKITE_BUILD_URL,
      [CI_JOB_NAME]: env.BUILDKITE_LABEL,
      [CI_JOB_URL]:
        env.BUILDKITE_BUILD_URL && env.BUILDKITE_JOB_ID
          ? `${env.BUILDKITE_BUILD_URL}#${env.BUILDKITE_JOB_ID}`
          : undefined,
      [GIT_COMMIT_SHA]: env.BUILDKITE_COMMIT,
      [GIT_REPOSITORY_URL]: env.BUILDKITE_REPO,
      ...refValues(env.BUILDKITE_BRANCH, env.BUILDKITE_TAG),
    }),
  },
  {
    name: 'azurepipelines',
    detect: (env) => Boolean(env.TF_BUILD),
    read: (env) => {
      const base =
        env.SYSTEM_TEAMFOUNDATIONSERVERURI && env.SYSTEM_TEAMPROJECTID && env.BUILD_BUILDID
          ? `${env.SYSTEM_TEAMFOUNDATIONSERVERURI}${env.SYSTEM_TEAMPROJECTID}/_build/results?buildId=${env.BUILD_BUILDID}`
          : undefined;
      return {
        [CI_PIPELINE_ID]: env.BUILD_BUILDID,
        [CI_PIPELINE_NAME]: env.BUILD_DEFINITIONNAME,
        [CI_PIPELINE_NUMBER]: env.BUILD_BUILDID,
        [CI_PIPELINE_URL]: base,
        [CI_JOB_NAME]: env.SYSTEM_JOBDISPLAYNAME,
        [CI_JOB_URL]:
          base && env.SYSTEM_JOBID
            ? `${base}&view=logs&j=${env.SYSTEM_JOBID}&t=${env.SYSTEM_TASKINSTANCEID ?? ''}`
            : undefined,
        [GIT_COMMIT_SHA]: env.SYSTEM_PULLREQUEST_SOURCECOMMITID || env.BUILD_SOURCEVERSION,
        [GIT_REPOSITORY_URL]: env.SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI || env.BUILD_REPOSITORY_URI,
        ...refValues(env.SYSTEM_PULLREQUEST_SOURCEBRANCH || env.BUILD_SOURCEBRANCH || env.BUILD_SOURCEBRANCHNAME),
      };
    },
  },
];

/** The names of the providers recognised, for the docs and `--help`. */
export const CI_PROVIDER_NAMES: readonly string[] = PROVIDERS.map((p) => p.name);

/** The CI attributes of this environment: empty outside a recognised CI provider. */
export function readCiMetadata(env: Env): CiAttributes {
  const provider = PROVIDERS.find((p) => p.detect(env));
  if (provider === undefined) return {};
  const values = provider.read(env);
  const out: CiAttributes = { [CI_PROVIDER_NAME]: provider.name };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value.trim() === '') continue;
    // Every URL, not only the repository's: a server URL with a token in it would carry it into the others.
    out[key] = key.endsWith('url') ? stripCredentials(value.trim()) : value.trim();
  }
  return out;
}
