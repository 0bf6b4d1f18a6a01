/** Notifier Lambda entry point. Work in progress (issue 5): the construct needs the entry file. */
export async function handler(): Promise<void> {
  throw new Error('notifier: not implemented yet');
}
