/**
 * Service tags as the Service Tag Discovery API returns them (`Microsoft.Network/locations/{l}/serviceTags`):
 * each tag has a name, the region it belongs to (empty for global tags) and its address prefixes. Regional
 * tags are found by their `region` property, never by building a name: some AzureCloud tags use other
 * spellings (`AzureCloud.germanywc` for germanywestcentral, docs/azure-facts.md §11).
 */
import { z } from 'zod';
import { IntervalSet, ipv4SetOf } from './addresses';
import { normaliseLocation } from '../regions';

/** One service tag with its IPv4 addresses resolved. */
export interface ServiceTag {
  name: string;
  /** The ARM location name (lower case), or '' for a global tag. */
  region: string;
  systemService: string;
  addressPrefixes: readonly string[];
  ipv4: IntervalSet;
}

const tagInformation = z.object({
  name: z.string(),
  properties: z
    .object({
      region: z.string().nullish(),
      systemService: z.string().nullish(),
      addressPrefixes: z.array(z.string()).nullish(),
    })
    .nullish(),
});

/** The Service Tag Discovery API's response body (the `serviceTags` list), as far as the evaluator reads it. */
export const serviceTagsBody = z.object({
  type: z
    .string()
    .refine((t) => t.toLowerCase() === 'microsoft.network/servicetags', 'not Microsoft.Network/serviceTags'),
  changeNumber: z.string().nullish(),
  cloud: z.string().nullish(),
  values: z.array(tagInformation),
});

/** True when a parsed JSON document has the shape of a Service Tag Discovery API response. */
export function isServiceTagsDocument(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const { type, values } = doc as { type?: unknown; values?: unknown };
  return typeof type === 'string' && type.toLowerCase() === 'microsoft.network/servicetags' && Array.isArray(values);
}

/**
 * AzureCloud tags whose regional names are not `AzureCloud.<location>` (Microsoft's service tag overview lists
 * them), with the location each names. Used only when the Discovery API could not be read.
 */
export const AZURECLOUD_REGIONAL_EXCEPTIONS: Readonly<Record<string, string>> = Object.freeze({
  'azurecloud.centralfrance': 'francecentral',
  'azurecloud.southfrance': 'francesouth',
  'azurecloud.germanywc': 'germanywestcentral',
  'azurecloud.germanyn': 'germanynorth',
  'azurecloud.norwaye': 'norwayeast',
  'azurecloud.norwayw': 'norwaywest',
  'azurecloud.switzerlandn': 'switzerlandnorth',
  'azurecloud.switzerlandw': 'switzerlandwest',
  'azurecloud.usstagee': 'eastusstg',
  'azurecloud.usstagec': 'southcentralusstg',
});

let catalogues = 0;

/** The service tags of one cloud, looked up by name (case-insensitive) or by service and region. */
export class ServiceTagCatalogue {
  /** A number of its own, so memoised verdicts never mix two catalogues. */
  readonly serial = ++catalogues;
  private readonly byName = new Map<string, ServiceTag>();
  private readonly byServiceRegion = new Map<string, ServiceTag>();
  /** The document's change number, when it has one. */
  readonly changeNumber: string | undefined;

  private constructor(tags: readonly ServiceTag[], changeNumber: string | undefined) {
    this.changeNumber = changeNumber;
    for (const tag of tags) {
      this.byName.set(tag.name.toLowerCase(), tag);
      const base = tag.name.split('.')[0]?.toLowerCase() ?? '';
      if (tag.region) this.byServiceRegion.set(`${base}|${tag.region}`, tag);
    }
  }

  /** Builds a catalogue from one or more Discovery API bodies; throws naming the first bad field. */
  static fromBodies(bodies: readonly unknown[]): ServiceTagCatalogue {
    const tags: ServiceTag[] = [];
    let changeNumber: string | undefined;
    bodies.forEach((body, i) => {
      const parsed = serviceTagsBody.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`service tags document ${i}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
      }
      changeNumber ??= parsed.data.changeNumber ?? undefined;
      for (const v of parsed.data.values) {
        const addressPrefixes = v.properties?.addressPrefixes ?? [];
        tags.push({
          name: v.name,
          region: normaliseLocation(v.properties?.region ?? ''),
          systemService: v.properties?.systemService ?? '',
          addressPrefixes,
          ipv4: ipv4SetOf(addressPrefixes),
        });
      }
    });
    return new ServiceTagCatalogue(tags, changeNumber);
  }

  /** The tag with this name, in any case. */
  tag(name: string): ServiceTag | undefined {
    return this.byName.get(name.trim().toLowerCase());
  }

  /** The regional tag of a service (`Storage`, `AzureCloud`) for an ARM location, by the tag's `region`. */
  regional(service: string, location: string): ServiceTag | undefined {
    return this.byServiceRegion.get(`${service.toLowerCase()}|${normaliseLocation(location)}`);
  }

  /** The number of tags. */
  get size(): number {
    return this.byName.size;
  }
}
