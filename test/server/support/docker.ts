// Whether a Docker engine answers, found the way testcontainers finds one (DOCKER_HOST, the
// testcontainers properties, the usual sockets), so the suite skips exactly when it could not start.
export type DockerCheck = { ok: true } | { ok: false; reason: string };

export async function findDocker(): Promise<DockerCheck> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n')[0]! };
  }
}
