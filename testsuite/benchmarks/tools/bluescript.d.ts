// The BlueScript library as TypeScript declarations, for checking the benchmarks with `tsc`
// (see check-node.cjs). Used with `noLib`, so that anything BlueScript lacks (`Array.fill`,
// `Math.imul`, `forEach` on arrays…) is a type error here too.

type integer = number;
type float = number;
type int32 = number;

interface Array<T> {
  length: number;
  [n: number]: T;
  push(x: T): number;
  pop(): T;
  shift(): T;
  unshift(x: T): number;
}
interface ArrayConstructor {
  new <T>(n: number, init: T): T[];
}
declare var Array: ArrayConstructor;

interface String {
  readonly length: number;
  charCodeAt(i: number): number;
  indexOf(s: string): number;
  startsWith(s: string): boolean;
  endsWith(s: string): boolean;
  substring(start: number, end?: number): string;
}

interface Boolean {}
interface Function {}
interface CallableFunction {}
interface NewableFunction {}
interface IArguments {}
interface Number {}
interface Object {}
interface RegExp {}

declare function print(x: any): void;
declare var console: {
  log(...xs: any[]): void;
  error(...xs: any[]): void;
};
declare var time: {
  now(): number;
  delay(ms: number): void;
};
declare var Math: {
  sqrt(x: number): number;
  abs(x: number): number;
  floor(x: number): number;
  ceil(x: number): number;
  round(x: number): number;
  sin(x: number): number;
  cos(x: number): number;
  tan(x: number): number;
  atan2(y: number, x: number): number;
  exp(x: number): number;
  log(x: number): number;
  pow(x: number, y: number): number;
  min(x: number, y: number): number;
  max(x: number, y: number): number;
  PI: number;
};
