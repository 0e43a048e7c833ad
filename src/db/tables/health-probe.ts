/** One row per probe name, rewritten by every /readyz: proof that a write can land. */
export interface HealthProbeTable {
  name: string;
  checked_at: string;
}
