/** The project's one function: enough for the pipeline to build, lint and test something real. */
export function greet(name: string): string {
  return `hello, ${name}`;
}
