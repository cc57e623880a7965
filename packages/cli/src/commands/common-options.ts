import { Option } from 'commander';

export function urlOption(): Option {
  return new Option('--url <url>', "database URL (default: DATABASE_URL, then the configuration's url)");
}

export function jsonOption(): Option {
  return new Option('--json', 'print the result as one JSON document on stdout');
}
