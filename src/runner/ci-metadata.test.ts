import { describe, it, expect } from '@jest/globals';
import { readCiMetadata } from './ci-metadata.js';

describe('readCiMetadata', () => {
  it('is empty outside CI', () => {
    expect(readCiMetadata({ CI: 'true', PATH: '/bin' })).toEqual({});
  });

  it('reads GitLab CI, without the job token in the repository URL', () => {
    expect(
      readCiMetadata({
        GITLAB_CI: 'true',
        CI_PIPELINE_ID: '991',
        CI_PROJECT_PATH: 'ml/train',
        CI_PIPELINE_URL: 'https://gitlab.com/ml/train/-/pipelines/991',
        CI_JOB_NAME: 'fit',
        CI_JOB_URL: 'https://gitlab.com/ml/train/-/jobs/5',
        CI_COMMIT_SHA: 'abc123',
        CI_COMMIT_REF_NAME: 'main',
        CI_REPOSITORY_URL: 'https://gitlab-ci-token:glcbt-SECRET@gitlab.com/ml/train.git',
      }),
    ).toEqual({
      'ci.provider.name': 'gitlab',
      'ci.pipeline.id': '991',
      'ci.pipeline.name': 'ml/train',
      'ci.pipeline.url': 'https://gitlab.com/ml/train/pipelines/991',
      'ci.job.name': 'fit',
      'ci.job.url': 'https://gitlab.com/ml/train/-/jobs/5',
      'git.commit.sha': 'abc123',
      'git.branch': 'main',
      'git.repository_url': 'https://gitlab.com/ml/train.git',
    });
  });

  it('reads CircleCI, Jenkins, Buildkite and Azure Pipelines', () => {
    expect(
      readCiMetadata({
        CIRCLECI: 'true',
        CIRCLE_WORKFLOW_ID: 'wf-1',
        CIRCLE_PROJECT_REPONAME: 'train',
        CIRCLE_JOB: 'fit',
        CIRCLE_BUILD_URL: 'https://circleci.com/gh/o/train/7',
        CIRCLE_SHA1: 'c1',
        CIRCLE_BRANCH: 'dev',
        CIRCLE_REPOSITORY_URL: 'git@github.com:o/train.git',
      }),
    ).toMatchObject({
      'ci.provider.name': 'circleci',
      'ci.pipeline.url': 'https://app.circleci.com/pipelines/workflows/wf-1',
      'ci.job.name': 'fit',
      'git.branch': 'dev',
      'git.repository_url': 'git@github.com:o/train.git',
    });
    expect(
      readCiMetadata({
        JENKINS_URL: 'https://ci.example/',
        BUILD_TAG: 'jenkins-train-main-12',
        JOB_NAME: 'train/main',
        BUILD_URL: 'https://ci.example/job/train/12/',
        GIT_BRANCH: 'origin/main',
        GIT_COMMIT: 'j1',
        GIT_URL: 'https://user:pass@git.example/train.git',
      }),
    ).toMatchObject({
      'ci.provider.name': 'jenkins',
      'ci.pipeline.id': 'jenkins-train-main-12',
      'ci.pipeline.name': 'train',
      'git.branch': 'main',
      'git.repository_url': 'https://git.example/train.git',
    });
    expect(
      readCiMetadata({
        BUILDKITE: 'true',
        BUILDKITE_BUILD_ID: 'b-1',
        BUILDKITE_PIPELINE_SLUG: 'train',
        BUILDKITE_BUILD_URL: 'https://buildkite.com/o/train/builds/3',
        BUILDKITE_JOB_ID: 'j-9',
        BUILDKITE_LABEL: ':python: fit',
        BUILDKITE_TAG: 'v1.2',
      }),
    ).toMatchObject({
      'ci.provider.name': 'buildkite',
      'ci.job.url': 'https://buildkite.com/o/train/builds/3#j-9',
      'ci.job.name': ':python: fit',
      'git.tag': 'v1.2',
    });
    expect(
      readCiMetadata({
        TF_BUILD: 'True',
        BUILD_BUILDID: '44',
        BUILD_DEFINITIONNAME: 'train-ci',
        SYSTEM_TEAMFOUNDATIONSERVERURI: 'https://dev.azure.com/o/',
        SYSTEM_TEAMPROJECTID: 'p',
        SYSTEM_JOBID: 'job',
        SYSTEM_TASKINSTANCEID: 'task',
        SYSTEM_JOBDISPLAYNAME: 'Fit',
        BUILD_SOURCEBRANCH: 'refs/heads/feature/x',
        BUILD_SOURCEVERSION: 'az1',
      }),
    ).toMatchObject({
      'ci.provider.name': 'azurepipelines',
      'ci.pipeline.url': 'https://dev.azure.com/o/p/_build/results?buildId=44',
      'ci.job.url': 'https://dev.azure.com/o/p/_build/results?buildId=44&view=logs&j=job&t=task',
      'ci.job.name': 'Fit',
      'git.branch': 'feature/x',
      'git.commit.sha': 'az1',
    });
  });
});
