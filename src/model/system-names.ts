/** Name rules for the system resources faultline creates; the ledger and the actions share them. */

export const CGROUP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const LAB_NAME = /^[a-z0-9]{1,8}$/;
export const LAB_HOST_NAME = /^[a-z][a-z0-9]{0,11}$/;

export function isCgroupName(name: string): boolean {
  return CGROUP_NAME.test(name) && name !== '.' && name !== '..';
}
